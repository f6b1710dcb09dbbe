/** Reading the errors of the Kafka client (shared by the Kafka source and the Kafka output). */

/** True when `e` or an error it aggregates is the Kafka protocol error `apiId` (e.g. OFFSET_OUT_OF_RANGE). */
export function hasApiError(e: unknown, apiId: string): boolean {
  if ((e as { apiId?: unknown })?.apiId === apiId) return true;
  const errs = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(errs) && errs.some((x) => hasApiError(x, apiId));
}

/** The broker does not know a topic (a metadata or produce request for it). */
export function isUnknownTopic(e: unknown): boolean {
  return hasApiError(e, 'UNKNOWN_TOPIC_OR_PARTITION') || /^Unknown topic/.test((e as Error)?.message ?? '')
    || ((e as { errors?: unknown[] })?.errors ?? []).some(isUnknownTopic);
}

/** The message of `e`, with that of the first error it aggregates. */
export function kafkaErrorText(e: unknown): string {
  const errs = (e as { errors?: unknown[] })?.errors;
  const inner = Array.isArray(errs) && errs.length ? `: ${kafkaErrorText(errs[0])}` : '';
  return `${e instanceof Error ? e.message : String(e)}${inner}`;
}

/** The protocol errors of a group coordinator that is starting: a new broker creating `__consumer_offsets`, a restarted one loading it. */
const COORDINATOR_STARTING = ['COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR'];

/** True when `e` (or an error it aggregates) says the group coordinator is not ready yet: expected, it passes by itself. */
export function isCoordinatorStarting(e: unknown): boolean {
  return COORDINATOR_STARTING.some((id) => hasApiError(e, id));
}

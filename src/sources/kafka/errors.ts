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

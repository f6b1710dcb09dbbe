/** A number with its noun in agreement, for stderr lines: `plural(1, 'open pane')` is `1 open pane`, `plural(2, 'entry', 'entries')` `2 entries`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

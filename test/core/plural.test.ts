import { describe, expect, it } from 'vitest';
import { plural } from '../../src/core/plural.js';

describe('plural', () => {
  it('agrees with the number', () => {
    expect([plural(0, 'open pane'), plural(1, 'open pane'), plural(2, 'open pane')]).toEqual(['0 open panes', '1 open pane', '2 open panes']);
    expect([plural(1, 'entry', 'entries'), plural(3, 'entry', 'entries'), plural(1, "key's", "keys'")]).toEqual(['1 entry', '3 entries', "1 key's"]);
  });
});

/**
 * A Kafka worker applying a group's new view to the units it holds (kafka/worker.ts `reconcile`):
 * units still assigned in the same membership are kept, unassigned ones released, new ones opened;
 * a new member id loses every unit (the group dropped the worker: someone may have owned them since).
 */
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/distributed/kafka/worker.js';

const units = (...ps: number[]) => new Map<number, string>(ps.map((p) => [p, `unit ${p}`]));

describe('reconcile a Kafka worker\'s units with its group view', () => {
  it('nothing changed: null, units untouched', () => {
    const u = units(0, 2);
    expect(reconcile({ generation: 4, memberId: 'm', partitions: [0, 2] }, 4, 'm', u)).toBeNull();
    expect([...u.keys()]).toEqual([0, 2]);
  });

  it('a new generation in the same membership keeps what is still assigned, releases the rest, opens the new', () => {
    const u = units(0, 1, 2);
    expect(reconcile({ generation: 5, memberId: 'm', partitions: [0, 2, 3] }, 4, 'm', u)).toEqual({ kept: [0, 2], opened: [3], released: [1], lost: [] });
    expect(u.get(0)).toBe('unit 0'); // the same unit object: not rebuilt
    expect([...u.keys()].sort()).toEqual([0, 2]);
  });

  it('a new member id: every unit is lost and opened again', () => {
    const u = units(0, 1);
    expect(reconcile({ generation: 9, memberId: 'm2', partitions: [1] }, 4, 'm', u)).toEqual({ kept: [], opened: [1], released: [], lost: [0, 1] });
    expect(u.size).toBe(0);
  });

  it('the first view (no membership yet) opens everything, losing nothing', () => {
    const u = units();
    expect(reconcile({ generation: 1, memberId: 'm', partitions: [0, 1, 2, 3] }, -1, null, u)).toEqual({ kept: [], opened: [0, 1, 2, 3], released: [], lost: [] });
  });
});

/**
 * The job state machine table: its helpers answer from the table, it covers every job state,
 * and docs/job-state-machine.md shows exactly what the table says.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOB_STATE_TABLE, JOB_TRANSITIONS, canTransition, isTerminal, jobStateDiagram, jobStateMachineMarkdown, statesMovedBy } from '../src/core/states.js';
import { JOB_STATES } from '../src/core/types.js';

describe('job state machine table', () => {
  it('has a row for every job state, and no other', () => {
    expect(Object.keys(JOB_STATE_TABLE).sort()).toEqual([...JOB_STATES].sort());
  });

  it('marks succeeded, failed and cancelled terminal', () => {
    expect(JOB_STATES.filter(isTerminal)).toEqual(['succeeded', 'failed', 'cancelled']);
    // The engines' SQL spells the active (non-terminal) states out, e.g. in the partial
    // unique index jobs_unique_active: a new active state must be added there too.
    expect(JOB_STATES.filter((state) => !isTerminal(state))).toEqual(['pending', 'running']);
  });

  it('answers canTransition from the table', () => {
    expect(canTransition('pending', 'running', 'jobClaim')).toBe(true);
    expect(canTransition('pending', 'running')).toBe(true);
    expect(canTransition('running', 'running', 'jobClaim')).toBe(false);
    expect(canTransition('pending', 'succeeded', 'jobFinishMany')).toBe(false);
    expect(canTransition('succeeded', 'pending', 'jobRetry')).toBe(false);
    expect(canTransition('succeeded', 'cancelled', 'jobCancel')).toBe(false);
    expect(canTransition('running', 'deleted', 'jobDeleteMany')).toBe(false);
  });

  it('lists the states an operation moves jobs out of', () => {
    expect(statesMovedBy('jobRetry')).toEqual(['failed', 'cancelled']);
    expect(statesMovedBy('jobDeleteMany').sort()).toEqual(['cancelled', 'failed', 'pending', 'succeeded']);
    expect(statesMovedBy('jobCancel', 'cancelled')).toEqual(['pending']);
  });

  it('moves terminal jobs only by an operator (retry or delete) or retention (prune)', () => {
    const fromTerminal = JOB_TRANSITIONS.filter((t) => t.from !== 'new' && isTerminal(t.from));
    expect(new Set(fromTerminal.map((t) => t.operation))).toEqual(new Set(['jobRetry', 'jobDeleteMany', 'jobPrune']));
    expect(statesMovedBy('jobPrune').sort()).toEqual(['cancelled', 'failed', 'succeeded']);
  });

  it('draws one diagram edge per (from, to) pair', () => {
    const pairs = new Set(JOB_TRANSITIONS.map((t) => `${t.from}>${t.to}`));
    expect(jobStateDiagram().split('\n').filter((line) => line.includes('-->'))).toHaveLength(pairs.size);
  });

  it('docs/job-state-machine.md shows what the table says', () => {
    const doc = readFileSync(new URL('../docs/job-state-machine.md', import.meta.url), 'utf8');
    const generated = /<!-- generated:start -->\n([\s\S]*?)\n<!-- generated:end -->/.exec(doc)?.[1];
    expect(generated, 'docs/job-state-machine.md lost its generated section markers').toBeDefined();
    expect(generated, 'docs/job-state-machine.md is out of date: regenerate its section (see the command in the document)').toBe(jobStateMachineMarkdown());
  });
});

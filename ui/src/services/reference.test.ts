import { describe, expect, it } from 'vitest';
import { newJobId, newReference, SubmissionReference } from './reference';

describe('references', () => {
  it('are ui-<uuid> and unique', () => {
    const a = newReference();
    expect(a).toMatch(/^ui-[0-9a-f-]{36}$/);
    expect(newReference()).not.toBe(a);
    expect(newJobId()).toMatch(/^job-/);
  });

  it('stay the same across retries of the same submission', () => {
    const r = new SubmissionReference();
    const first = r.for({ card: '1', amount: '10.00' });
    expect(r.for({ card: '1', amount: '10.00' })).toBe(first);
  });

  it('change when the request changes (a new submission, not a conflict)', () => {
    const r = new SubmissionReference();
    const first = r.for({ card: '1', amount: '10.00' });
    expect(r.for({ card: '1', amount: '11.00' })).not.toBe(first);
  });

  it('change after a success, even for the same request (a second, deliberate top-up)', () => {
    const r = new SubmissionReference();
    const first = r.for({ card: '1', amount: '10.00' });
    r.succeeded();
    expect(r.for({ card: '1', amount: '10.00' })).not.toBe(first);
  });

  it('pins a measured value to the submission, so a retry sends the same request', () => {
    const r = new SubmissionReference();
    r.for({ amount: '1.00' });
    expect(r.pin(() => 41)).toBe(41);
    r.for({ amount: '1.00' });
    expect(r.pin(() => 57)).toBe(41);
    r.for({ amount: '2.00' });
    expect(r.pin(() => 63)).toBe(63);
    r.succeeded();
    r.for({ amount: '2.00' });
    expect(r.pin(() => 70)).toBe(70);
  });
});

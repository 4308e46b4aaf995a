// One idempotency reference per submission, for forms that move money.
import { useMemo } from 'react';
import { SubmissionReference } from '../services/reference';

export function useReference(): SubmissionReference {
  return useMemo(() => new SubmissionReference(), []);
}

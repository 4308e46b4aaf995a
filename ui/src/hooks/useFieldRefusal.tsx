// Puts a refusal under the field it is about (see utils/refusal.ts); refusals about no particular
// field are returned as `general` for a RefusalAlert. Translated at render time.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage, type CommandError } from '../services/ipc';
import { refusalField, type FieldMap } from '../utils/refusal';

interface ItemProps {
  validateStatus?: 'error';
  help?: ReactNode;
}

export interface FieldRefusal<F extends string> {
  /** Props for the Form.Item of `field`: the refusal as its error when it belongs there. */
  itemProps: (field: F) => ItemProps;
  general: CommandError | null;
}

export function useFieldRefusal<F extends string>(
  error: CommandError | null,
  map: FieldMap<F>,
  testId?: string,
  /** Fields on screen now; a refusal for a hidden field is shown as `general` instead. */
  visible?: readonly F[],
): FieldRefusal<F> {
  const { t } = useTranslation();
  const mapped = error === null ? null : refusalField(error.code, map);
  const field = mapped !== null && visible !== undefined && !visible.includes(mapped) ? null : mapped;
  return {
    itemProps: (name) =>
      error !== null && field === name
        ? { validateStatus: 'error', help: <span data-testid={testId}>{errorMessage(error, t)}</span> }
        : {},
    general: field === null ? error : null,
  };
}

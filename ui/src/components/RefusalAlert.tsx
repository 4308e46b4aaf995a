// A refusal from the core that belongs to no single field, in the operator's language (codes the
// locales do not know yet fall back to the shell's own message, see errorMessage).
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorMessage, type CommandError } from '../services/ipc';

interface Props {
  error: CommandError | null;
  testId?: string;
  onClose?: () => void;
}

export default function RefusalAlert({ error, testId, onClose }: Props) {
  const { t } = useTranslation();
  if (error === null) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      message={<span data-testid={testId}>{errorMessage(error, t)}</span>}
      closable={onClose !== undefined}
      onClose={onClose}
    />
  );
}

// The confirmation of a card action: what will happen, and the reason (kept in the audit trail).
// Replace and close move money, so the request carries an idempotency reference.
import { Alert, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardAction, CardChange, CardInfo } from '../../../bindings';
import FormModal from '../../../components/FormModal';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { useReference } from '../../../hooks/useReference';
import { cardAction } from '../../../services/cards';
import { maskCard } from '../../../utils/mask';

interface Props {
  card: CardInfo;
  action: CardAction | null;
  onClose: () => void;
  onDone: (change: CardChange) => void;
}

const DANGEROUS: ReadonlySet<CardAction> = new Set(['report_loss', 'replace', 'close']);

export default function ActionDialog({ card, action, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const submit = useSubmit(cardAction);
  const reference = useReference();
  if (action === null) return null;

  const onSubmit = async ({ reason }: { reason: string }) => {
    const body = { card: card.card, action, reason: reason.trim() };
    const change = await submit.run({ ...body, reference: reference.for(body) });
    if (change === undefined) return;
    reference.succeeded();
    onDone(change);
  };

  return (
    <FormModal<{ reason: string }>
      open
      title={t(`cardAction.${action}`)}
      okText={t('cards.confirmAction', { action: t(`cardAction.${action}`) })}
      danger={DANGEROUS.has(action)}
      pending={submit.pending}
      onCancel={() => {
        submit.clearError();
        onClose();
      }}
      onSubmit={onSubmit}
      testId="card-action-dialog"
      footerNote={<RefusalAlert error={submit.error} testId="card-action-error" />}
    >
      <Alert
        type={DANGEROUS.has(action) ? 'warning' : 'info'}
        showIcon
        style={{ marginBottom: 16 }}
        message={t(`cards.explain.${action}`, { card: maskCard(card.card) })}
      />
      <Form.Item
        name="reason"
        label={t('cards.reason')}
        rules={[{ required: true, whitespace: true, message: t('cards.reasonRequired') }]}
      >
        <Input autoFocus maxLength={200} data-testid="card-action-reason" />
      </Form.Item>
    </FormModal>
  );
}

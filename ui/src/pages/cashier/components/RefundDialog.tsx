// Refund of a purchase, partly or in full, back to the card (never cash: goods bought with the
// card are refunded to the card). Prefilled with everything still refundable.
import { Button, Descriptions, Form, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Movement, PaymentInfo } from '../../../bindings';
import AmountInput, { amountRules } from '../../../components/AmountInput';
import FormModal from '../../../components/FormModal';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { useReference } from '../../../hooks/useReference';
import { toLanguage } from '../../../i18n';
import { refund } from '../../../services/payments';
import { parseAmount } from '../../../utils/money';

interface Props {
  payment: PaymentInfo;
  onClose: () => void;
  onDone: (movement: Movement) => void;
}

export default function RefundDialog({ payment, onClose, onDone }: Props) {
  const { t, i18n } = useTranslation();
  const [form] = Form.useForm<{ amount: string }>();
  const submit = useSubmit(refund);
  const reference = useReference();

  const onSubmit = async ({ amount }: { amount: string }) => {
    const body = { payment_id: payment.payment_id, amount: parseAmount(amount) ?? amount };
    const movement = await submit.run({ ...body, reference: reference.for(body) });
    if (movement === undefined) return;
    reference.succeeded();
    onDone(movement);
  };

  return (
    <FormModal<{ amount: string }>
      open
      form={form}
      title={t('cashier.refundTitle', { id: payment.payment_id })}
      okText={t('cashier.refundSubmit')}
      pending={submit.pending}
      initialValues={{ amount: payment.refundable }}
      onCancel={onClose}
      onSubmit={onSubmit}
      testId="refund-dialog"
      footerNote={<RefusalAlert error={submit.error} testId="refund-error" />}
    >
      <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('cashier.merchant')}>{payment.merchant_name}</Descriptions.Item>
        <Descriptions.Item label={t('cashier.paidAmount')}><Money amount={payment.amount} /></Descriptions.Item>
        <Descriptions.Item label={t('cashier.refunded')}><Money amount={payment.refunded} /></Descriptions.Item>
        <Descriptions.Item label={t('cashier.refundable')}><Money amount={payment.refundable} strong /></Descriptions.Item>
      </Descriptions>
      <Form.Item label={t('cashier.refundAmount')} extra={t('cashier.refundToCard')}>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item name="amount" noStyle rules={amountRules(t, toLanguage(i18n.language), payment.refundable)}>
            <AmountInput autoFocus data-testid="refund-amount" />
          </Form.Item>
          <Button onClick={() => form.setFieldValue('amount', payment.refundable)}>{t('cashier.refundFull')}</Button>
        </Space.Compact>
      </Form.Item>
    </FormModal>
  );
}

// Finding the purchase to refund: by payment id (on the receipt) or by card, with what each
// purchase still allows to refund.
import { useState } from 'react';
import { App, Button, Form, Input, Radio, Space, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Movement, PaymentInfo } from '../../../bindings';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { toLanguage } from '../../../i18n';
import { paymentList } from '../../../services/payments';
import { formatDateTime, formatMoneySafe } from '../../../utils/format';
import { toFen } from '../../../utils/money';
import { isValidCardNumber } from '../../../utils/validate';
import RefundDialog from './RefundDialog';

type By = 'payment' | 'card';
interface Values {
  by: By;
  value: string;
}

export default function RefundPanel({ canRefund }: { canRefund: boolean }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const by = Form.useWatch('by', form) ?? 'payment';
  const search = useSubmit(paymentList);
  const [rows, setRows] = useState<PaymentInfo[] | null>(null);
  const [last, setLast] = useState<Values | null>(null);
  const [refunding, setRefunding] = useState<PaymentInfo | null>(null);

  const run = async (v: Values) => {
    setLast(v);
    const value = v.value.trim();
    const found = await search.run(v.by === 'payment' ? { card: null, payment_id: Number(value) } : { card: value, payment_id: null });
    setRows(found ?? null);
  };

  const done = (movement: Movement) => {
    setRefunding(null);
    void message.success(
      t('cashier.refundDone', {
        amount: formatMoneySafe(movement.amount, toLanguage(i18n.language)),
        balance: formatMoneySafe(movement.balance_after, toLanguage(i18n.language)),
      }),
    );
    if (last !== null) void run(last);
  };

  const refundable = (p: PaymentInfo) => {
    try {
      return toFen(p.refundable) > 0n;
    } catch {
      return false;
    }
  };

  return (
    <>
      <Form<Values> form={form} layout="inline" initialValues={{ by: 'payment', value: '' }} onFinish={run} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="by">
          <Radio.Group optionType="button" onChange={() => form.setFieldValue('value', '')}>
            <Radio.Button value="payment">{t('cashier.byPayment')}</Radio.Button>
            <Radio.Button value="card">{t('cashier.byCard')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="value"
          rules={[
            { required: true, message: t('form.required') },
            {
              validator: async (_r, v: unknown) => {
                const s = typeof v === 'string' ? v.trim() : '';
                if (s === '') return;
                if (by === 'payment' && !/^\d{1,15}$/.test(s)) throw new Error(t('cashier.paymentIdFormat'));
                if (by === 'card' && !isValidCardNumber(s)) throw new Error(t('errors.invalid_card_number'));
              },
            },
          ]}
        >
          <Input autoFocus style={{ width: 260 }} placeholder={by === 'payment' ? t('cashier.paymentId') : t('cashier.cardNumber')} data-testid="refund-search" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={search.pending} data-testid="refund-search-submit">
          {t('common.search')}
        </Button>
      </Form>
      <RefusalAlert error={search.error} testId="refund-search-error" />
      {rows !== null && (
        <Table<PaymentInfo>
          rowKey="payment_id"
          size="middle"
          pagination={false}
          dataSource={rows}
          data-testid="refund-payments"
          columns={[
            { title: t('cashier.paymentId'), dataIndex: 'payment_id' },
            { title: t('cashier.at'), dataIndex: 'at', render: (v: string) => formatDateTime(v) },
            { title: t('cashier.merchant'), dataIndex: 'merchant_name' },
            { title: t('cashier.cardNumber'), dataIndex: 'card' },
            { title: t('cashier.medium'), dataIndex: 'medium', render: (v: string) => t(`medium.${v}`) },
            { title: t('cashier.paidAmount'), dataIndex: 'amount', align: 'right', render: (v: string) => <Money amount={v} /> },
            { title: t('cashier.refunded'), dataIndex: 'refunded', align: 'right', render: (v: string) => <Money amount={v} /> },
            { title: t('cashier.refundable'), dataIndex: 'refundable', align: 'right', render: (v: string) => <Money amount={v} strong /> },
            {
              key: 'action',
              title: '',
              render: (_v, p) => (
                <Space>
                  <Button size="small" disabled={!canRefund || !refundable(p)} onClick={() => setRefunding(p)} data-testid={`refund-open-${p.payment_id}`}>
                    {t('cashier.refund')}
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      )}
      {refunding !== null && <RefundDialog payment={refunding} onClose={() => setRefunding(null)} onDone={done} />}
    </>
  );
}

// One dialog for every step a merchant goes through: apply (new merchant), submit credentials,
// review (approve/reject with reason), contract, and the status changes (with a reason and an
// explicit confirmation, since suspend and terminate stop a merchant's sales).
import { Alert, Form, Input, InputNumber, Radio, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import FormModal from '../../../components/FormModal';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import {
  merchantApply,
  merchantContract,
  merchantReview,
  merchantSetStatus,
  merchantSubmit,
  type MerchantChange,
  type StatusTarget,
} from '../../../services/clearing';

export const CATEGORIES = ['apparel', 'bags', 'cosmetics', 'sports', 'dining', 'kids', 'jewellery', 'appliances', 'home', 'specialty', 'tourism', 'transit', 'other'] as const;

export type MerchantAction =
  | { kind: 'apply' }
  | { kind: 'submit'; merchant: number; name: string }
  | { kind: 'review'; merchant: number; name: string; approve?: boolean }
  | { kind: 'contract'; merchant: number; name: string; feeBps: number | null; account: string | null }
  | { kind: 'status'; merchant: number; name: string; to: StatusTarget };

interface Values {
  mall?: string;
  name?: string;
  category?: string;
  manager?: string;
  credit_code?: string;
  brand_auth?: string;
  contact?: string;
  settlement_account?: string;
  decision?: 'approve' | 'reject';
  reason?: string;
  fee_bps?: number | null;
  start?: string;
}

function run(action: MerchantAction, v: Values): Promise<MerchantChange> {
  switch (action.kind) {
    case 'apply':
      return merchantApply(v.mall ?? '', v.name ?? '', v.category ?? '', v.manager);
    case 'submit':
      return merchantSubmit(action.merchant, {
        credit_code: (v.credit_code ?? '').trim(),
        brand_auth: (v.brand_auth ?? '').trim(),
        contact: (v.contact ?? '').trim(),
        settlement_account: (v.settlement_account ?? '').trim(),
      });
    case 'review':
      return merchantReview(action.merchant, v.decision !== 'reject', v.reason ?? '');
    case 'contract':
      return merchantContract(action.merchant, v.fee_bps ?? null, v.settlement_account, v.start);
    case 'status':
      return merchantSetStatus(action.merchant, action.to, v.reason ?? '');
  }
}

interface Props {
  action: MerchantAction | null;
  onClose: () => void;
  onDone: (change: MerchantChange) => void;
}

export default function MerchantActionDialog({ action, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const submit = useSubmit(run);
  const [form] = Form.useForm<Values>();
  const decision = Form.useWatch('decision', form);
  if (action === null) return null;
  const required = [{ required: true, whitespace: true, message: t('clearing.required') }];

  const title =
    action.kind === 'apply'
      ? t('clearing.merchants.apply')
      : action.kind === 'status'
        ? `${t(`clearing.to.${action.to}`)} · ${action.name}`
        : `${t(`clearing.merchants.${action.kind}`)} · ${action.name}`;

  const initialValues: Values =
    action.kind === 'review'
      ? { decision: action.approve === false ? 'reject' : 'approve' }
      : action.kind === 'contract'
        ? { fee_bps: action.feeBps, settlement_account: action.account ?? '' }
        : {};

  const finish = async (values: Values) => {
    const change = await submit.run(action, values);
    if (change !== undefined) onDone(change);
  };

  return (
    <FormModal<Values>
      open
      form={form}
      title={title}
      danger={action.kind === 'status' && action.to !== 'active'}
      okText={action.kind === 'status' ? t('clearing.confirm') : undefined}
      pending={submit.pending}
      initialValues={initialValues}
      onCancel={onClose}
      onSubmit={finish}
      footerNote={<RefusalAlert error={submit.error} testId="merchant-action-error" />}
      testId={`merchant-action-${action.kind}`}
    >
      {action.kind === 'apply' && (
        <>
          <Form.Item name="mall" label={t('clearing.merchants.mall')} rules={required}>
            <Input autoFocus />
          </Form.Item>
          <Form.Item name="name" label={t('clearing.merchants.name')} rules={required}>
            <Input />
          </Form.Item>
          <Form.Item name="category" label={t('clearing.merchants.category')} rules={[{ required: true, message: t('clearing.required') }]}>
            <Select options={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))} />
          </Form.Item>
          <Form.Item name="manager" label={t('clearing.merchants.manager')}>
            <Input />
          </Form.Item>
        </>
      )}
      {action.kind === 'submit' && (
        <>
          <Form.Item
            name="credit_code"
            label={t('clearing.merchants.creditCode')}
            rules={[...required, { pattern: /^\s*[0-9A-HJ-NPQRTUWXY]{18}\s*$/, message: t('clearing.merchants.creditCodeFormat') }]}
          >
            <Input autoFocus maxLength={18} />
          </Form.Item>
          <Form.Item name="brand_auth" label={t('clearing.merchants.brandAuth')} rules={required}>
            <Input />
          </Form.Item>
          <Form.Item name="contact" label={t('clearing.merchants.contact')} rules={required}>
            <Input />
          </Form.Item>
          <Form.Item name="settlement_account" label={t('clearing.merchants.account')} rules={required}>
            <Input />
          </Form.Item>
        </>
      )}
      {action.kind === 'review' && (
        <>
          <Form.Item name="decision" label={t('clearing.merchants.decision')}>
            <Radio.Group
              options={[
                { value: 'approve', label: t('clearing.merchants.approve') },
                { value: 'reject', label: t('clearing.merchants.reject') },
              ]}
            />
          </Form.Item>
          <Form.Item name="reason" label={t('clearing.reason')} rules={decision === 'reject' ? required : []}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('clearing.merchants.makerChecker')} />
        </>
      )}
      {action.kind === 'contract' && (
        <>
          <Form.Item name="fee_bps" label={t('clearing.merchants.feeBps')} extra={t('clearing.merchants.feeBpsHelp')}>
            <InputNumber min={0} max={10000} precision={0} style={{ width: '100%' }} autoFocus />
          </Form.Item>
          <Form.Item name="settlement_account" label={t('clearing.merchants.account')}>
            <Input />
          </Form.Item>
          <Form.Item name="start" label={t('clearing.merchants.contractStart')}>
            <Input type="date" />
          </Form.Item>
        </>
      )}
      {action.kind === 'status' && (
        <>
          <Alert
            type={action.to === 'active' ? 'info' : 'warning'}
            showIcon
            style={{ marginBottom: 16 }}
            message={t(`clearing.confirmTo.${action.to}`, { name: action.name })}
          />
          <Form.Item name="reason" label={t('clearing.reason')} rules={action.to === 'active' ? [] : required}>
            <Input.TextArea rows={2} autoFocus />
          </Form.Item>
        </>
      )}
    </FormModal>
  );
}

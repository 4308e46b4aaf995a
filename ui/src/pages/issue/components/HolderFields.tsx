// The real-name fields of a registered card, checked before submit exactly as the core will:
// name 1-64 characters, an 18-character ID number with a valid GB 11643 check character, an
// 11-digit mainland mobile number.
import { Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import type { FieldRefusal } from '../../../hooks/useFieldRefusal';
import { isValidIdNumber, isValidName, isValidPhone } from '../../../utils/validate';

export type HolderField = 'name' | 'id_number' | 'phone';

export default function HolderFields({ refusal }: { refusal: FieldRefusal<HolderField> }) {
  const { t } = useTranslation();
  const check = (ok: (v: string) => boolean, message: string) => ({
    validator: async (_rule: unknown, value: unknown) => {
      if (typeof value === 'string' && value !== '' && !ok(value)) throw new Error(message);
    },
  });
  return (
    <>
      <Form.Item
        name={['holder', 'name']}
        label={t('issue.holderName')}
        rules={[{ required: true, message: t('issue.holderNameRequired') }, check(isValidName, t('errors.invalid_name'))]}
        {...refusal.itemProps('name')}
      >
        <Input maxLength={64} autoComplete="off" data-testid="issue-holder-name" />
      </Form.Item>
      <Form.Item
        name={['holder', 'id_number']}
        label={t('issue.idNumber')}
        normalize={(v: string) => v.toUpperCase()}
        rules={[{ required: true, message: t('issue.idNumberRequired') }, check(isValidIdNumber, t('errors.invalid_id_number'))]}
        {...refusal.itemProps('id_number')}
      >
        <Input maxLength={18} autoComplete="off" data-testid="issue-id-number" />
      </Form.Item>
      <Form.Item
        name={['holder', 'phone']}
        label={t('issue.phone')}
        rules={[{ required: true, message: t('issue.phoneRequired') }, check(isValidPhone, t('errors.invalid_phone'))]}
        {...refusal.itemProps('phone')}
      >
        <Input maxLength={11} inputMode="numeric" autoComplete="off" data-testid="issue-phone" />
      </Form.Item>
    </>
  );
}

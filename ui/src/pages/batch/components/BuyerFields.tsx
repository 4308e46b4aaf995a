// The buyer's real name and ID number, asked for only when the purchase reaches the real-name
// threshold; the alert above them says why.
import { Col, Form, Input, Row } from 'antd';
import { useTranslation } from 'react-i18next';
import type { FieldRefusal } from '../../../hooks/useFieldRefusal';
import { isValidIdNumber, isValidName } from '../../../utils/validate';

export type BuyerField = 'buyer_name' | 'buyer_id';

export default function BuyerFields<F extends string>({ refusal }: { refusal: FieldRefusal<F | BuyerField> }) {
  const { t } = useTranslation();
  const check = (ok: (v: string) => boolean, message: string) => ({
    validator: async (_r: unknown, v: unknown) => {
      if (typeof v === 'string' && v !== '' && !ok(v)) throw new Error(message);
    },
  });
  return (
    <Row gutter={16}>
      <Col span={10}>
        <Form.Item
          name="buyer_name"
          label={t('batch.buyerName')}
          rules={[{ required: true, message: t('batch.buyerNameRequired') }, check(isValidName, t('errors.invalid_name'))]}
          {...refusal.itemProps('buyer_name')}
        >
          <Input maxLength={64} data-testid="batch-buyer-name" />
        </Form.Item>
      </Col>
      <Col span={14}>
        <Form.Item
          name="buyer_id"
          label={t('batch.buyerId')}
          normalize={(v: string) => v.toUpperCase()}
          rules={[{ required: true, message: t('issue.idNumberRequired') }, check(isValidIdNumber, t('errors.invalid_id_number'))]}
          {...refusal.itemProps('buyer_id')}
        >
          <Input maxLength={18} data-testid="batch-buyer-id" />
        </Form.Item>
      </Col>
    </Row>
  );
}

// Binding an anonymous card to a member: the card becomes registered under the member's real name
// (higher balance cap, loss reporting and redemption become possible).
import { Alert, Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardInfo, MemberInfo } from '../../../bindings';
import { cardNumberRules } from '../../../components/cardNumberRules';
import FormModal from '../../../components/FormModal';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { memberBindCard } from '../../../services/members';

interface Props {
  member: MemberInfo;
  onClose: () => void;
  onDone: (card: CardInfo) => void;
}

export default function BindCardDialog({ member, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const submit = useSubmit(memberBindCard);
  const onSubmit = async ({ card }: { card: string }) => {
    const bound = await submit.run(member.id, card.trim());
    if (bound !== undefined) onDone(bound);
  };
  return (
    <FormModal<{ card: string }>
      open
      title={t('members.bindTitle', { name: member.name })}
      okText={t('members.bind')}
      pending={submit.pending}
      onCancel={onClose}
      onSubmit={onSubmit}
      testId="member-bind-dialog"
      footerNote={<RefusalAlert error={submit.error} testId="member-bind-error" />}
    >
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('members.bindExplain')} />
      <Form.Item name="card" label={t('cards.number')} rules={cardNumberRules(t)}>
        <Input autoFocus maxLength={19} inputMode="numeric" autoComplete="off" data-testid="member-bind-card" />
      </Form.Item>
    </FormModal>
  );
}

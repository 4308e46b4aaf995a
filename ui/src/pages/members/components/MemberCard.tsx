// One member: masked personal data, their cards, and binding another card.
import { Button, Card, Descriptions, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardInfo, MemberInfo } from '../../../bindings';
import Money from '../../../components/Money';
import { formatDateTime } from '../../../utils/format';
import { STATUS_COLOR } from '../../cards/components/labels';

interface Props {
  member: MemberInfo;
  canBind: boolean;
  onBind: (member: MemberInfo) => void;
}

export default function MemberCard({ member, canBind, onBind }: Props) {
  const { t } = useTranslation();
  return (
    <Card
      title={member.name}
      data-testid={`member-${member.id}`}
      extra={
        canBind && (
          <Button onClick={() => onBind(member)} data-testid={`member-bind-${member.id}`}>
            {t('members.bind')}
          </Button>
        )
      }
      style={{ marginBottom: 16 }}
    >
      <Descriptions size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('members.phone')}>{member.phone}</Descriptions.Item>
        <Descriptions.Item label={t('members.idNumber')}>{member.id_number}</Descriptions.Item>
        <Descriptions.Item label={t('members.since')}>{formatDateTime(member.created_at)}</Descriptions.Item>
      </Descriptions>
      <Table<CardInfo>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={member.cards}
        locale={{ emptyText: t('members.noCards') }}
        columns={[
          { title: t('cards.number'), dataIndex: 'card', render: (v: string) => <span className="money">{v}</span> },
          { title: t('cards.type'), dataIndex: 'type', render: (v: string) => t(`cardType.${v}`) },
          { title: t('cards.status'), dataIndex: 'status', render: (v: string) => <Tag color={STATUS_COLOR[v]}>{t(`cardStatus.${v}`)}</Tag> },
          { title: t('cards.balance'), dataIndex: 'balance', align: 'right', render: (v: string) => <Money amount={v} /> },
          { title: t('cards.expiresOn'), dataIndex: 'expires_on', render: (v: string | null) => v ?? t('cards.noExpiry') },
        ]}
      />
    </Card>
  );
}

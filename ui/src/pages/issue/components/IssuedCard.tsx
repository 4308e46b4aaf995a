// The card just issued: its full number (to write on the envelope or read to the customer) and,
// for a virtual card, the QR code to scan into the phone.
import { Button, Card, Descriptions, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardInfo } from '../../../bindings';
import Money from '../../../components/Money';
import QrPanel from '../../../components/QrPanel';

export default function IssuedCard({ card, onAnother }: { card: CardInfo; onAnother: () => void }) {
  const { t } = useTranslation();
  return (
    <Card title={t('issue.issued')} extra={<Button onClick={onAnother}>{t('issue.another')}</Button>}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('cards.number')}>
          <Typography.Text copyable strong className="money" data-testid="issue-result-card">
            {card.card}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('cards.type')}>{t(`cardType.${card.type}`)}</Descriptions.Item>
        <Descriptions.Item label={t('cards.registered')}>
          {card.registered ? t('cards.registeredYes') : t('cards.registeredNo')}
        </Descriptions.Item>
        <Descriptions.Item label={t('cards.balance')}>
          <Money amount={card.balance} />
        </Descriptions.Item>
        <Descriptions.Item label={t('cards.expiresOn')}>{card.expires_on ?? t('cards.noExpiry')}</Descriptions.Item>
      </Descriptions>
      {card.type === 'virtual' && <QrPanel card={card.card} />}
    </Card>
  );
}

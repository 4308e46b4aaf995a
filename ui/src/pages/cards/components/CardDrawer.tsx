// A card in full: number, fields, balance, what can be done to it, and its activity. After an
// action both the drawer and the table behind it are refreshed.
import { useState } from 'react';
import { App, Button, Descriptions, Divider, Drawer, Skeleton, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardAction, CardChange, CardInfo } from '../../../bindings';
import Money from '../../../components/Money';
import QrPanel from '../../../components/QrPanel';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand } from '../../../hooks/useCommand';
import { toLanguage } from '../../../i18n';
import { cardGet, cardHistory } from '../../../services/cards';
import { useSession } from '../../../session';
import { formatDateTime, formatMoneySafe } from '../../../utils/format';
import ActionDialog from './ActionDialog';
import ActivityTimeline from './ActivityTimeline';
import CardActions from './CardActions';
import { STATUS_COLOR } from './labels';

interface Props {
  id: number | null;
  onClose: () => void;
  onChanged: () => void;
}

async function loadCard(id: number | null) {
  if (id === null) return null;
  const card = await cardGet(id);
  const history = await cardHistory(card.card);
  return { card, history };
}

function CardFields({ card }: { card: CardInfo }) {
  const { t } = useTranslation();
  return (
    <Descriptions column={1} size="small" bordered>
      <Descriptions.Item label={t('cards.number')}>
        <Typography.Text copyable className="money" data-testid="card-number">
          {card.card}
        </Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('cards.balance')}>
        <Money amount={card.balance} strong testId="card-balance" />
      </Descriptions.Item>
      <Descriptions.Item label={t('cards.status')}>
        <Tag color={STATUS_COLOR[card.status]} data-testid="card-status">
          {t(`cardStatus.${card.status}`)}
        </Tag>
      </Descriptions.Item>
      <Descriptions.Item label={t('cards.type')}>{t(`cardType.${card.type}`)}</Descriptions.Item>
      <Descriptions.Item label={t('cards.registered')}>
        {card.registered ? t('cards.registeredYes') : t('cards.registeredNo')}
      </Descriptions.Item>
      <Descriptions.Item label={t('cards.holder')}>{card.holder ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('cards.phone')}>{card.phone ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('cards.mall')}>{card.mall ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('cards.issuedAt')}>{formatDateTime(card.issued_at)}</Descriptions.Item>
      <Descriptions.Item label={t('cards.expiresOn')}>{card.expires_on ?? t('cards.noExpiry')}</Descriptions.Item>
      {card.replaced_by !== null && (
        <Descriptions.Item label={t('cards.replacedBy')}>{card.replaced_by}</Descriptions.Item>
      )}
    </Descriptions>
  );
}

export default function CardDrawer({ id, onClose, onChanged }: Props) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const { modal } = App.useApp();
  const loaded = useCommand(() => loadCard(id), [id]);
  const [action, setAction] = useState<CardAction | null>(null);
  const [qrFor, setQrFor] = useState<number | null>(null);
  // The hook keeps the previous card while the next one loads: never show it under another id.
  const data = loaded.data !== undefined && loaded.data !== null && loaded.data.card.id === id ? loaded.data : null;
  const language = toLanguage(i18n.language);

  const done = (change: CardChange) => {
    setAction(null);
    loaded.reload();
    onChanged();
    const details = [t('cards.done.status', { status: t(`cardStatus.${change.status}`, { defaultValue: change.status }) })];
    if (change.new_card !== null) details.push(t('cards.done.newCard', { card: change.new_card }));
    if (change.moved !== '0.00' && change.moved !== '0') details.push(t('cards.done.moved', { amount: formatMoneySafe(change.moved, language) }));
    if (change.expires_on !== null) details.push(t('cards.done.expires', { date: change.expires_on }));
    modal.success({
      title: t('cards.done.title', { action: t(`cardAction.${change.action}`) }),
      content: (
        <div data-testid="card-action-result">
          {details.map((line) => (
            <div key={line}>{line}</div>
          ))}
        </div>
      ),
    });
  };

  return (
    <Drawer open={id !== null} onClose={onClose} width={560} title={t('cards.detail')} destroyOnHidden>
      <div data-testid="card-drawer">
        <RefusalAlert error={loaded.error} testId="card-drawer-error" />
        {data === null && loaded.error === null ? (
          <Skeleton active />
        ) : (
          data !== null && (
            <>
              <CardFields card={data.card} />
              <Divider orientation="left">{t('cards.actions')}</Divider>
              <CardActions card={data.card} permissions={session.permissions} onAction={setAction} />
              {data.card.type === 'virtual' && data.card.status === 'active' && (
                // A fresh single-use code for the customer's phone, only on request: each one is a secret.
                <div style={{ marginTop: 12 }}>
                  {qrFor === data.card.id ? (
                    <QrPanel card={data.card.card} />
                  ) : (
                    <Button onClick={() => setQrFor(data.card.id)} data-testid="card-show-qr">
                      {t('cards.showQr')}
                    </Button>
                  )}
                </div>
              )}
              <Divider orientation="left">{t('cards.activity')}</Divider>
              <ActivityTimeline items={data.history} />
              <ActionDialog card={data.card} action={action} onClose={() => setAction(null)} onDone={done} />
            </>
          )
        )}
      </div>
    </Drawer>
  );
}

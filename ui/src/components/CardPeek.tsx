// What the counter needs to see about a card before moving money on it: status, kind and the
// balance now. Shown as soon as a valid number is in the field.
import type { ReactNode } from 'react';
import { Descriptions, Skeleton, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardInfo } from '../bindings';
import { useCommand } from '../hooks/useCommand';
import { cardShow } from '../services/cards';
import { maskCard } from '../utils/mask';
import { STATUS_COLOR } from '../pages/cards/components/labels';
import Money from './Money';
import RefusalAlert from './RefusalAlert';

interface Props {
  card: string;
  /** Bumped after a movement so the balance shown is the new one. */
  version?: number;
  extra?: (card: CardInfo) => ReactNode;
}

export default function CardPeek({ card, version = 0, extra }: Props) {
  const { t } = useTranslation();
  const info = useCommand(() => cardShow(card), [card, version]);
  if (info.error !== null) return <RefusalAlert error={info.error} testId="card-peek-error" />;
  if (info.data === undefined) return <Skeleton active paragraph={{ rows: 2 }} />;
  const c = info.data;
  return (
    <Descriptions size="small" column={2} bordered style={{ marginBottom: 16 }} data-testid="card-peek">
      <Descriptions.Item label={t('cards.number')}>{maskCard(c.card)}</Descriptions.Item>
      <Descriptions.Item label={t('cards.status')}>
        <Tag color={STATUS_COLOR[c.status]}>{t(`cardStatus.${c.status}`)}</Tag>
      </Descriptions.Item>
      <Descriptions.Item label={t('cards.type')}>
        {t(`cardType.${c.type}`)} · {c.registered ? t('cards.registeredYes') : t('cards.registeredNo')}
      </Descriptions.Item>
      <Descriptions.Item label={t('cards.balance')}>
        <Money amount={c.balance} strong testId="card-peek-balance" />
      </Descriptions.Item>
      {extra !== undefined && <Descriptions.Item label={t('topup.headroom')} span={2}>{extra(c)}</Descriptions.Item>}
    </Descriptions>
  );
}

// A card's history, oldest first as the core keeps it: what happened, the signed amount, the
// balance after it, who did it and when.
import { Empty, Flex, Timeline, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Activity } from '../../../bindings';
import Money from '../../../components/Money';
import { formatDateTime } from '../../../utils/format';
import { toFen } from '../../../utils/money';

function colorOf(amount: string): string {
  try {
    const fen = toFen(amount);
    return fen > 0n ? 'green' : fen < 0n ? 'red' : 'gray';
  } catch {
    return 'gray';
  }
}

const CHANNELS = new Set(['cash', 'unionpay', 'wechat', 'alipay', 'ecny', 'bank_transfer']);

/** The core's note in the reader's language: channel codes and "merchant 12"-style references
 * are translated; anything else (a reason typed by a person, a masked card) is shown as it is. */
export function noteText(a: Activity, t: TFunction): string {
  if ((a.kind === 'top_up' || a.kind === 'issue_load') && CHANNELS.has(a.note)) return t(`channel.${a.note}`);
  const ref = /^(merchant|payment|member) (\d+)$/.exec(a.note);
  if (ref !== null) {
    const key = { merchant: 'noteMerchant', payment: 'notePayment', member: 'noteMember' }[ref[1] as 'merchant' | 'payment' | 'member'];
    return t(`activity.${key}`, { id: ref[2] });
  }
  return a.note;
}

export default function ActivityTimeline({ items }: { items: Activity[] }) {
  const { t } = useTranslation();
  if (items.length === 0) return <Empty description={t('cards.noActivity')} />;
  return (
    <Timeline
      items={items.map((a) => ({
        key: a.seq,
        color: colorOf(a.amount),
        children: (
          <div data-testid="card-activity" data-kind={a.kind}>
            <Flex justify="space-between" gap={12}>
              <Typography.Text strong>{t(`activity.${a.kind}`, { defaultValue: a.kind })}</Typography.Text>
              <Money amount={a.amount} signed strong />
            </Flex>
            <Flex justify="space-between" gap={12}>
              <Typography.Text type="secondary">
                {formatDateTime(a.at)} · {a.actor}
              </Typography.Text>
              <Typography.Text type="secondary">
                {t('cards.balanceAfter')} <Money amount={a.balance_after} />
              </Typography.Text>
            </Flex>
            {a.note !== '' && <Typography.Text type="secondary">{noteText(a, t)}</Typography.Text>}
          </div>
        ),
      }))}
    />
  );
}

// A card's history, oldest first as the core keeps it: what happened, the signed amount, the
// balance after it, who did it and when.
import { Empty, Flex, Timeline, Typography } from 'antd';
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
            {a.note !== '' && <Typography.Text type="secondary">{a.note}</Typography.Text>}
          </div>
        ),
      }))}
    />
  );
}

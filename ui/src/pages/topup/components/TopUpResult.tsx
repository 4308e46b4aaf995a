// The outcome of a top-up: the new balance, and whether it was a replay of an earlier submission.
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Movement } from '../../../bindings';
import Money from '../../../components/Money';
import { maskCard } from '../../../utils/mask';

export default function TopUpResult({ movement }: { movement: Movement }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="success"
      showIcon
      style={{ marginBottom: 16 }}
      message={
        <span>
          {t('topup.done', { card: maskCard(movement.card) })} <Money amount={movement.amount} />
        </span>
      }
      description={
        <span>
          {t('topup.newBalance')} <Money amount={movement.balance_after} strong testId="topup-result-balance" />
          {movement.replayed && <> · {t('common.replayed')}</>}
        </span>
      }
    />
  );
}

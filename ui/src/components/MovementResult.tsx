// The outcome of a money movement (a top-up, a payment): what moved, the card's balance after it,
// and whether the answer is a replay of an earlier submission with the same reference.
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Movement } from '../bindings';
import Money from './Money';
import { maskCard } from '../utils/mask';

interface Props {
  movement: Movement;
  /** Locale key of the headline; gets `card` (masked). */
  doneKey: string;
  /** Locale key of the label before the balance. */
  balanceKey: string;
  /** Test id of the balance, for the end-to-end tests. */
  balanceTestId: string;
}

export default function MovementResult({ movement, doneKey, balanceKey, balanceTestId }: Props) {
  const { t } = useTranslation();
  return (
    <Alert
      type="success"
      showIcon
      style={{ marginBottom: 16 }}
      message={
        <span>
          {t(doneKey, { card: maskCard(movement.card) })} <Money amount={movement.amount} />
        </span>
      }
      description={
        <span>
          {t(balanceKey)} <Money amount={movement.balance_after} strong testId={balanceTestId} />
          {movement.replayed && <> · {t('common.replayed')}</>}
        </span>
      }
    />
  );
}

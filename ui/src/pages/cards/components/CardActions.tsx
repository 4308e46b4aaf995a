// The action buttons of the drawer: enabled only where the card's status, its registered flag and
// the user's permissions allow; a disabled one says why in its tooltip.
import { Button, Flex, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardAction, CardInfo, Permission } from '../../../bindings';
import { availability, CARD_ACTIONS } from '../actions';

interface Props {
  card: CardInfo;
  permissions: readonly Permission[];
  onAction: (action: CardAction) => void;
}

export default function CardActions({ card, permissions, onAction }: Props) {
  const { t } = useTranslation();
  return (
    <Flex wrap gap={8}>
      {CARD_ACTIONS.map((action) => {
        const a = availability(action, card, permissions);
        const button = (
          <Button
            key={action}
            danger={action === 'close' || action === 'report_loss'}
            disabled={!a.enabled}
            onClick={() => onAction(action)}
            data-testid={`card-action-${action}`}
          >
            {t(`cardAction.${action}`)}
          </Button>
        );
        return a.enabled ? (
          button
        ) : (
          <Tooltip key={action} title={t(`cards.why.${a.why}`)}>
            {/* A disabled button swallows pointer events; the span keeps the tooltip working. */}
            <span>{button}</span>
          </Tooltip>
        );
      })}
    </Flex>
  );
}

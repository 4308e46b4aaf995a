// Colours of the card vocabularies, shared by every screen that shows a card's status.
export const STATUS_COLOR: Readonly<Record<string, string>> = {
  active: 'green',
  frozen: 'blue',
  lost: 'orange',
  closed: 'default',
  expired: 'red',
};

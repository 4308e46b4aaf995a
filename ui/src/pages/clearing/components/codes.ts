// Refusals that only mean "nothing there yet" for a day (shown as an empty state, not an error).
export const NOT_FOUND_CODES: readonly string[] = ['not_settled'];

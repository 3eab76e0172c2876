/** How many times each race is run: enough to hit both orders on a real store, few enough to stay fast. */
export const ROUNDS = 12;

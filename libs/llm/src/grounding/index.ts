export { checkGrounding, isGrounded, REFERENCE_LEVELS } from './check-grounding'
export { citedNumbers, type CitedNumber, type CitedUnit } from './cited-numbers'

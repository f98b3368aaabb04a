export type { AppProps, HeightSpec, PickResult } from './App.js';
export { App, frameHeight } from './App.js';
export { HELP, main, parseHeight } from './cli.js';
export { describeError, EXIT, errorLine, exitCodeOf } from './errors.js';
export { filterItems, highlightRanges, matchingBuckets, RANK, rankMatches, rankOf, toItems } from './filter.js';
export { Picker } from './Picker.js';
export type { PickerAction, PickerError, PickerOptions, PickerState, PickOutcome } from './state.js';
export { chosen, initialState, pickerReducer, selected, usePickerState } from './state.js';

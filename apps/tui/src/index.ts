export type { AppProps, PickResult } from './App.js';
export { App, usePickerState } from './App.js';
export { HELP, main } from './cli.js';
export { filterItems, highlightRanges, toItems } from './filter.js';
export { Picker } from './Picker.js';
export type { PickerAction, PickerError, PickerState } from './state.js';
export { initialState, pickerReducer, selected } from './state.js';

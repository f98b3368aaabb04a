// Stands in for react-devtools-core in the bundled bin: Ink only uses it when DEV=true.
export default { initialize() {}, connectToDevTools() {} };

export * from './customers';
export * from './channels';
export * from './support';
export * from './scores';
export * from './commerce';
export * from './identity';

export * from './customers';
export * from './channels';

/**
 * DynamoDB, IAM-enforced: tables and items over the store, the expression language, and
 * fine-grained access control (`dynamodb:LeadingKeys`, `dynamodb:Attributes`, …).
 */
export { DYNAMODB_OPERATIONS, createDynamoDbService } from './service.js';
export type { DynamoDeps } from './types.js';

/** AmazonS3ReadOnlyAccess as AWS publishes it (version v3), for the generator's diff tests. */
export const S3_READ_ONLY = {
  name: 'AmazonS3ReadOnlyAccess',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
        Resource: '*',
      },
    ],
  },
};

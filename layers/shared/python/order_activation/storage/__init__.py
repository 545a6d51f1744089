"""DynamoDB storage behind small repositories; domain code never builds a request itself."""

"""ClinicalTrials.gov: API v2 JSON and legacy XML parsers, readers and the live API client."""

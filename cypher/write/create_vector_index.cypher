// Template: {name} and {label} are identifiers that trialgraph.kg.embeddings builds from a registered encoder
// key (checked against [A-Za-z][A-Za-z0-9_]*), never from user text. $dimensions is a parameter.
// Quantization is off: scores are then exact cosines ((1 + cos) / 2), at 4 bytes per dimension in the index.
CREATE VECTOR INDEX {name} IF NOT EXISTS
FOR (e:{label}) ON (e.vector)
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine',
                        `vector.quantization.enabled`: false}}

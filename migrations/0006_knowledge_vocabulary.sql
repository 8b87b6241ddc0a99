-- Every word of the knowledge base, so that a misspelt word in a customer's question ("refnd",
-- "cheescake") can be matched to the word the documents use before full-text search runs.
-- Words of deleted documents may linger; they only ever add a word that then matches nothing.
CREATE TABLE knowledge_words (
    word text PRIMARY KEY
);
-- "Which known words look like this one": word % 'refnd' through trigrams.
CREATE INDEX knowledge_words_trgm_idx ON knowledge_words USING gin (word gin_trgm_ops);
-- The words of what is already in the knowledge base.
INSERT INTO knowledge_words (word)
SELECT DISTINCT lexeme
FROM document_chunks, unnest(to_tsvector('simple', document_chunks.content))
WHERE length(lexeme) BETWEEN 3 AND 40
ON CONFLICT DO NOTHING;

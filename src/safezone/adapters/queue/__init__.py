"""Work queues between delivery workers (Redis Streams); the state stays in the database."""

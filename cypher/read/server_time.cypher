// The server's clock now, in milliseconds since the epoch: load runs of every host record their times on it.
RETURN datetime.realtime().epochMillis AS epoch_millis

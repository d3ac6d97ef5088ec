package crdt

// ID identifies one unit of content: the client that created it and that
// client's logical clock at the time. An item of length n covers the ids
// Clock .. Clock+n-1 of its client.
type ID struct {
	Client uint64
	Clock  uint64
}

func (id ID) add(n int) ID { return ID{id.Client, id.Clock + uint64(n)} }

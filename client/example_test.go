package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// Dial a document, edit it, and wait for another peer's change.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://127.0.0.1:8080/sync", "abc/notes", client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitSynced(ctx); err != nil {
		log.Fatal(err)
	}
	c.SetAwareness(map[string]string{"name": "bot"})
	c.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "hello ", nil) })
	err = c.Wait(ctx, func(d *crdt.Doc) bool { return d.GetText("t").Len() > 6 })
	if err != nil {
		log.Fatal(err)
	}
	c.Do(func(d *crdt.Doc) { fmt.Println(d.GetText("t").String()) })
}

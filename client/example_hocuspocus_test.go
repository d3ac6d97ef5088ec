package client_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/cocreate/cocreate/client"
	"github.com/cocreate/cocreate/crdt"
)

// Several documents over one Hocuspocus socket, each with its own token;
// a refused one fails alone.
func ExampleDialHocuspocus() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sock, err := client.DialHocuspocus(ctx, "ws://127.0.0.1:8080/hocuspocus", client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sock.Close()
	notes, err := sock.Open(ctx, "abc/notes", freshToken(), client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer notes.Close()
	if _, err := sock.Open(ctx, "other/notes", freshToken(), client.Options{}); errors.Is(err, client.ErrUnauthorized) {
		log.Print(err) // the server's reason; abc/notes goes on
	}
	if err := notes.WaitSynced(ctx); err != nil {
		log.Fatal(err)
	}
	notes.Do(func(d *crdt.Doc) { d.GetText("t").Insert(0, "hello ", nil) })
}

package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
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

// A token the server refuses (expired, forged) stops the client instead of
// retrying forever: Wait returns the error, and a new Dial with a fresh
// token and the same doc carries on with the local edits.
func ExampleErrUnauthorized() {
	ctx := context.Background()
	doc := crdt.NewDoc(crdt.DocOptions{})
	for {
		c, err := client.Dial(ctx, "wss://cocreate.example.org/sync", "abc/notes", client.Options{
			Doc:    doc,
			Header: http.Header{"Authorization": {"Bearer " + freshToken()}},
		})
		if err != nil {
			log.Fatal(err) // errors.Is(err, client.ErrUnauthorized) for a refused token
		}
		err = c.Wait(ctx, func(*crdt.Doc) bool { return false }) // until it stops
		c.Close()
		if !errors.Is(err, client.ErrUnauthorized) {
			log.Fatal(err)
		}
	}
}

// freshToken stands for asking the embedding platform for a new token.
func freshToken() string { return "..." }

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

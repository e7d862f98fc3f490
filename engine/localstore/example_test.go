package localstore_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/s3lua/s3lua/engine/localstore"
)

func Example() {
	// "" keeps the store in memory; a directory would persist it.
	store, err := localstore.Start("")
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	// The store does not check signatures, so plain requests work here; a
	// real client signs with store.Credentials() for store.Region().
	put := func(url, body string) {
		req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println("PUT", strings.TrimPrefix(url, store.Endpoint()), resp.Status)
	}
	put(store.Endpoint()+"/my-bucket", "")
	put(store.Endpoint()+"/my-bucket/hello.txt", "hello, world")

	resp, err := http.Get(store.Endpoint() + "/my-bucket/hello.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("GET %s %q\n", resp.Status, body)
	fmt.Println("region", store.Region())
	// Output:
	// PUT /my-bucket 200 OK
	// PUT /my-bucket/hello.txt 200 OK
	// GET 200 OK "hello, world"
	// region us-east-1
}

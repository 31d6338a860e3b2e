package s3blob_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/gowandb/wandb/core/store/s3blob"
)

// Open a bucket on an S3-compatible endpoint (here a local MinIO) and store
// a blob. Credentials come from $AWS_ACCESS_KEY_ID and
// $AWS_SECRET_ACCESS_KEY unless given as an option.
func Example() {
	ctx := context.Background()
	b, err := s3blob.New(ctx, "s3://wandb-files/server1",
		s3blob.WithEndpoint("http://127.0.0.1:9000"),
		s3blob.WithCredentials("minioadmin", "minioadmin"))
	if err != nil {
		log.Fatal(err)
	}
	size, md5, err := b.Put(ctx, "alice/mnist/abc123/output.log", strings.NewReader("epoch 1\n"))
	fmt.Println(size, md5, err)
}

package netrc_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb/core/netrc"
)

func Example() {
	dir, _ := os.MkdirTemp("", "netrc")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, ".netrc")
	host, _ := netrc.Host("http://127.0.0.1:8080")
	if err := netrc.Set(path, host, "user", "my-api-key"); err != nil {
		fmt.Println(err)
		return
	}
	key, _ := netrc.Lookup([]string{"NETRC=" + path}, host)
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	fmt.Println(key)
	// Output:
	// machine 127.0.0.1:8080
	//   login user
	//   password my-api-key
	// my-api-key
}

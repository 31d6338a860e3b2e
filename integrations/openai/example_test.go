package openai_test

import (
	"context"
	"fmt"
	"os"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/gowandb/wandb"
	wbopenai "github.com/gowandb/wandb/integrations/openai"
)

// One line wraps a go-openai client: every chat, completion and embedding
// call is then a row of the run's stats table plus usage/* metrics. (A
// local server speaking the OpenAI API stands in for api.openai.com here.)
func ExampleWrapConfig() {
	api := startFakeAPI()
	defer api.Close()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	run, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew))
	if err != nil {
		fmt.Println(err)
		return
	}

	cfg := goopenai.DefaultConfig("sk-…")
	cfg.BaseURL = api.URL + "/v1"
	client := goopenai.NewClientWithConfig(wbopenai.WrapConfig(cfg, run)) // the one line

	resp, err := client.CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{
		Model:    goopenai.GPT4oMini,
		Messages: []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleUser, Content: "Say hello"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Choices[0].Message.Content)
	run.Finish(0)
	rows, _ := run.History(ctx)
	fmt.Println(rows[0]["usage/total_tokens"], rows[0]["stats"].(map[string]any)["nrows"])
	// Output:
	// you said: Say hello
	// 13 1
}

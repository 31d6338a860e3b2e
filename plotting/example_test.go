package plotting_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"math"

	"github.com/gowandb/wandb/plotting"
)

func ExampleChart_Render() {
	steps := []int{0, 1, 2, 3, 4}
	loss := []float64{1, 0.6, math.NaN(), 0.3, 0.25}
	c, err := plotting.Line(steps, loss, plotting.WithTitle("loss"))
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Render(&buf, "png", 320, 240); err != nil {
		log.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := c.Plot()
	fmt.Printf("%dx%d %q\n", cfg.Width, cfg.Height, p.Title.Text)
	// Output: 320x240 "loss\n(1 NaN/Inf point dropped)"
}

func ExampleConfusionMatrix() {
	yTrue := []int{0, 1, 1, 2}
	preds := []int{0, 1, 2, 2}
	c, err := plotting.ConfusionMatrix(yTrue, preds, []string{"cat", "dog", "owl"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Spec, c.Columns)
	for _, r := range c.Rows {
		if r[2].(float64) > 0 {
			fmt.Println(r...)
		}
	}
	// Output:
	// wandb/confusion_matrix/v1 [Actual Predicted nPredictions]
	// cat cat 1
	// dog dog 1
	// dog owl 1
	// owl owl 1
}

func ExampleChart_PanelConfig() {
	c, err := plotting.Scatter([]float64{1, 2}, []float64{3, 4}, plotting.WithTitle("s"))
	if err != nil {
		log.Fatal(err)
	}
	pc := c.PanelConfig("points")["panel_config"].(map[string]any)
	fmt.Println(pc["panelDefId"], pc["fieldSettings"], pc["stringSettings"], c.TableKey("points"))
	// Output: wandb/scatter/v0 map[x:x y:y] map[title:s] points_table
}

package render

import "time"

// SetRenderTime sets r's render time (MaxRenderTime).
func (r *Renderer) SetRenderTime(d time.Duration) { r.renderTime = d }

// SetParseHook makes r call hook before each parse, outside its lock.
func (r *Renderer) SetParseHook(hook func(src string)) { r.parseHook = hook }

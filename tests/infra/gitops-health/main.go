// Judges the health of Kubernetes objects the way GitOps tools do, with their own libraries:
//
//	gitops-health argocd <script.lua>   Argo CD: the Lua health check on gopher-lua with only the
//	                                    package, base and table libraries, the object as `obj`
//	gitops-health kstatus               Flux: kstatus (sigs.k8s.io/cli-utils), as its health checks
//
// Reads a JSON array of objects on stdin and prints a JSON array of {status, message}.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type health struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// toLua converts decoded JSON into Lua values as Argo CD does: objects and arrays become tables.
func toLua(l *lua.LState, value interface{}) lua.LValue {
	switch v := value.(type) {
	case map[string]interface{}:
		table := l.NewTable()
		for key, item := range v {
			table.RawSetString(key, toLua(l, item))
		}
		return table
	case []interface{}:
		table := l.NewTable()
		for _, item := range v {
			table.Append(toLua(l, item))
		}
		return table
	case string:
		return lua.LString(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}

// numbers turns JSON numbers into int64 or float64, as Kubernetes' own decoding of objects does.
func numbers(value interface{}) interface{} {
	switch v := value.(type) {
	case map[string]interface{}:
		for key, item := range v {
			v[key] = numbers(item)
		}
	case []interface{}:
		for i, item := range v {
			v[i] = numbers(item)
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	}
	return value
}

func field(table *lua.LTable, name string) string {
	if value, ok := table.RawGetString(name).(lua.LString); ok {
		return string(value)
	}
	return ""
}

func run(script string, object interface{}) (health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		l.Push(l.NewFunction(lib.open))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	l.SetGlobal("obj", toLua(l, object))
	if err := l.DoString(script); err != nil {
		return health{}, err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return health{}, fmt.Errorf("the script returned %s, not a table", l.Get(-1).Type())
	}
	return health{Status: field(table, "status"), Message: field(table, "message")}, nil
}

func kstatus(object interface{}) (health, error) {
	fields, ok := object.(map[string]interface{})
	if !ok {
		return health{}, fmt.Errorf("not an object")
	}
	result, err := status.Compute(&unstructured.Unstructured{Object: fields})
	if err != nil {
		return health{}, err
	}
	return health{Status: result.Status.String(), Message: result.Message}, nil
}

func judge() (func(interface{}) (health, error), error) {
	if len(os.Args) == 2 && os.Args[1] == "kstatus" {
		return kstatus, nil
	}
	if len(os.Args) != 3 || os.Args[1] != "argocd" {
		return nil, fmt.Errorf("usage: gitops-health argocd <script.lua> | gitops-health kstatus")
	}
	script, err := os.ReadFile(os.Args[2])
	if err != nil {
		return nil, err
	}
	return func(object interface{}) (health, error) { return run(string(script), object) }, nil
}

func main() {
	check, err := judge()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var objects []interface{}
	decoder := json.NewDecoder(os.Stdin)
	decoder.UseNumber()
	if err := decoder.Decode(&objects); err != nil {
		fmt.Fprintln(os.Stderr, "reading objects:", err)
		os.Exit(2)
	}
	numbers(objects)
	results := make([]health, 0, len(objects))
	for i, object := range objects {
		result, err := check(object)
		if err != nil {
			fmt.Fprintf(os.Stderr, "object %d: %v\n", i, err)
			os.Exit(1)
		}
		results = append(results, result)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

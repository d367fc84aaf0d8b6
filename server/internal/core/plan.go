package core

// Plan budgets: how many changes a plan may hold.
const (
	DefaultPlanBudget = 5
	MaxPlanBudget     = 20
)

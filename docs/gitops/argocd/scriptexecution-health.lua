-- Argo CD health of a PCM-Ops ScriptExecution
-- (argocd-cm key resource.customizations.health.pcm-ops.io_ScriptExecution).
-- Written for the libraries Argo CD opens for health checks: Lua's base and table only.
local hs = {}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local failed = { Failed = true, Cancelled = true, TimedOut = true, PartiallySucceeded = true }
local status = obj.status

if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to pick up the execution"
  return hs
end

local phase = status.phase
local summary = phase
if status.message ~= nil and status.message ~= "" then
  summary = phase .. ": " .. status.message
elseif status.progress ~= nil then
  summary = phase .. " (" .. status.progress .. ")"
end

-- A finished run's outcome cannot change, whatever was edited since (suspend, cancel, TTL).
if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = summary
  return hs
end
if failed[phase] then
  hs.status = "Degraded"
  hs.message = summary
  return hs
end

local generation = obj.metadata.generation or 0
if status.observedGeneration == nil or status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

if phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = "Suspended for review: set spec.suspend to false to send the commands"
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = (stalled.reason or "Stalled") .. ": " .. (stalled.message or "")
  return hs
end

hs.status = "Progressing"
hs.message = summary
return hs

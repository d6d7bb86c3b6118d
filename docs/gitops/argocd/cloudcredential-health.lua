-- Argo CD health of a PCM-Ops CloudCredential
-- (argocd-cm key resource.customizations.health.pcm-ops.io_CloudCredential).
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

local status = obj.status
local generation = obj.metadata.generation or 0
if status == nil or status.observedGeneration == nil or status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to validate generation " .. tostring(generation)
  return hs
end

local ready = condition(status, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = "Validated as " .. (status.arn or "unknown identity")
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = (stalled.reason or "Stalled") .. ": " .. (stalled.message or "")
  return hs
end

hs.status = "Progressing"
if ready ~= nil then
  hs.message = (ready.reason or "Validating") .. ": " .. (ready.message or "")
else
  hs.message = "Validating"
end
return hs
